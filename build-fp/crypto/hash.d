build-fp/crypto/hash.o: crypto/hash.c crypto/hash.h
crypto/hash.h:

build-fp/crypto/err.o: crypto/err.c crypto/err.h
crypto/err.h:

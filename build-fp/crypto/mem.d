build-fp/crypto/mem.o: crypto/mem.c crypto/err.h crypto/mem.h
crypto/err.h:
crypto/mem.h:

build-fp/crypto/afile.o: crypto/afile.c crypto/afile.h crypto/err.h
crypto/afile.h:
crypto/err.h:

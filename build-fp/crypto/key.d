build-fp/crypto/key.o: crypto/key.c crypto/afile.h crypto/err.h \
 crypto/key.h
crypto/afile.h:
crypto/err.h:
crypto/key.h:

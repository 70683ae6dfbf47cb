build-fp/store/guard.o: store/guard.c crypto/err.h store/guard.h \
 crypto/hash.h
crypto/err.h:
store/guard.h:
crypto/hash.h:

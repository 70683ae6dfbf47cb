build-fp/model/chain.o: model/chain.c crypto/err.h model/chain.h \
 crypto/hash.h crypto/key.h
crypto/err.h:
model/chain.h:
crypto/hash.h:
crypto/key.h:

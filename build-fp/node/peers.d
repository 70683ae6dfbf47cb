build-fp/node/peers.o: node/peers.c crypto/afile.h crypto/err.h \
 node/peers.h crypto/key.h proto/genesis.h crypto/hash.h \
 build-fp/proto/wiec.pb-c.h
crypto/afile.h:
crypto/err.h:
node/peers.h:
crypto/key.h:
proto/genesis.h:
crypto/hash.h:
build-fp/proto/wiec.pb-c.h:

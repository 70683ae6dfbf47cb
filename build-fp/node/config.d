build-fp/node/config.o: node/config.c crypto/afile.h crypto/err.h \
 node/config.h node/peers.h crypto/key.h proto/genesis.h crypto/hash.h \
 build-fp/proto/wiec.pb-c.h proto/event.h store/store.h model/model.h
crypto/afile.h:
crypto/err.h:
node/config.h:
node/peers.h:
crypto/key.h:
proto/genesis.h:
crypto/hash.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:
store/store.h:
model/model.h:

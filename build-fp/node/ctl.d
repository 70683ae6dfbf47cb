build-fp/node/ctl.o: node/ctl.c crypto/err.h crypto/key.h node/ctl.h \
 build-fp/proto/wiec.pb-c.h node/peers.h proto/genesis.h crypto/hash.h \
 proto/decode.h proto/event.h store/store.h model/model.h
crypto/err.h:
crypto/key.h:
node/ctl.h:
build-fp/proto/wiec.pb-c.h:
node/peers.h:
proto/genesis.h:
crypto/hash.h:
proto/decode.h:
proto/event.h:
store/store.h:
model/model.h:

build-fp/node/serve.o: node/serve.c crypto/err.h node/node_int.h \
 crypto/key.h node/amap.h node/config.h node/members.h model/roster.h \
 model/model.h crypto/hash.h build-fp/proto/wiec.pb-c.h store/store.h \
 proto/event.h node/node.h node/wire.h node/peers.h proto/genesis.h \
 node/recon.h
crypto/err.h:
node/node_int.h:
crypto/key.h:
node/amap.h:
node/config.h:
node/members.h:
model/roster.h:
model/model.h:
crypto/hash.h:
build-fp/proto/wiec.pb-c.h:
store/store.h:
proto/event.h:
node/node.h:
node/wire.h:
node/peers.h:
proto/genesis.h:
node/recon.h:

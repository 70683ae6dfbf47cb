build-fp/node/netio.o: node/netio.c crypto/hash.h node/node_int.h \
 crypto/key.h node/amap.h node/config.h node/members.h model/roster.h \
 model/model.h build-fp/proto/wiec.pb-c.h store/store.h proto/event.h \
 node/node.h node/wire.h node/peers.h proto/genesis.h node/recon.h
crypto/hash.h:
node/node_int.h:
crypto/key.h:
node/amap.h:
node/config.h:
node/members.h:
model/roster.h:
model/model.h:
build-fp/proto/wiec.pb-c.h:
store/store.h:
proto/event.h:
node/node.h:
node/wire.h:
node/peers.h:
proto/genesis.h:
node/recon.h:

build-fp/node/close.o: node/close.c crypto/err.h model/closeev.h \
 model/close.h crypto/hash.h crypto/key.h model/closelist.h model/model.h \
 build-fp/proto/wiec.pb-c.h proto/event.h model/roster.h model/slot.h \
 node/node_int.h node/amap.h node/config.h node/members.h store/store.h \
 node/node.h node/wire.h node/peers.h proto/genesis.h node/recon.h
crypto/err.h:
model/closeev.h:
model/close.h:
crypto/hash.h:
crypto/key.h:
model/closelist.h:
model/model.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:
model/roster.h:
model/slot.h:
node/node_int.h:
node/amap.h:
node/config.h:
node/members.h:
store/store.h:
node/node.h:
node/wire.h:
node/peers.h:
proto/genesis.h:
node/recon.h:

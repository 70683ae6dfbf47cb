build-fp/store/ingest.o: store/ingest.c crypto/err.h model/chain.h \
 crypto/hash.h crypto/key.h proto/genesis.h build-fp/proto/wiec.pb-c.h \
 store/store_int.h crypto/mem.h store/store.h model/model.h proto/event.h
crypto/err.h:
model/chain.h:
crypto/hash.h:
crypto/key.h:
proto/genesis.h:
build-fp/proto/wiec.pb-c.h:
store/store_int.h:
crypto/mem.h:
store/store.h:
model/model.h:
proto/event.h:

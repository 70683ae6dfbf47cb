build-fp/store/refs.o: store/refs.c crypto/err.h proto/genesis.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h store/store_int.h \
 crypto/mem.h store/store.h model/model.h proto/event.h
crypto/err.h:
proto/genesis.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
store/store_int.h:
crypto/mem.h:
store/store.h:
model/model.h:
proto/event.h:

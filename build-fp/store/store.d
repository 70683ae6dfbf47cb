build-fp/store/store.o: store/store.c crypto/err.h model/chain.h \
 crypto/hash.h crypto/key.h store/guard.h store/store_int.h crypto/mem.h \
 store/store.h model/model.h build-fp/proto/wiec.pb-c.h proto/event.h
crypto/err.h:
model/chain.h:
crypto/hash.h:
crypto/key.h:
store/guard.h:
store/store_int.h:
crypto/mem.h:
store/store.h:
model/model.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:

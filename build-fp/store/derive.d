build-fp/store/derive.o: store/derive.c crypto/err.h model/chain.h \
 crypto/hash.h crypto/key.h model/model.h build-fp/proto/wiec.pb-c.h \
 store/store_int.h crypto/mem.h store/store.h proto/event.h
crypto/err.h:
model/chain.h:
crypto/hash.h:
crypto/key.h:
model/model.h:
build-fp/proto/wiec.pb-c.h:
store/store_int.h:
crypto/mem.h:
store/store.h:
proto/event.h:

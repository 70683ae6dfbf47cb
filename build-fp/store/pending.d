build-fp/store/pending.o: store/pending.c crypto/err.h store/store_int.h \
 crypto/mem.h store/store.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h proto/event.h
crypto/err.h:
store/store_int.h:
crypto/mem.h:
store/store.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:

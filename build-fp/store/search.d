build-fp/store/search.o: store/search.c crypto/err.h crypto/siphash.h \
 crypto/hash.h model/fold.h store/search.h store/store.h model/model.h \
 crypto/key.h build-fp/proto/wiec.pb-c.h proto/event.h store/store_int.h \
 crypto/mem.h
crypto/err.h:
crypto/siphash.h:
crypto/hash.h:
model/fold.h:
store/search.h:
store/store.h:
model/model.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:
store/store_int.h:
crypto/mem.h:

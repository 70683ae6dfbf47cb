build-fp/store/pipeline.o: store/pipeline.c crypto/err.h proto/event.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h store/pipeline.h \
 store/store.h model/model.h store/store_int.h crypto/mem.h
crypto/err.h:
proto/event.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
store/pipeline.h:
store/store.h:
model/model.h:
store/store_int.h:
crypto/mem.h:

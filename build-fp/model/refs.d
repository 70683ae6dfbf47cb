build-fp/model/refs.o: model/refs.c model/closelist.h model/model.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h proto/event.h
model/closelist.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:

build-fp/model/closelist.o: model/closelist.c crypto/err.h crypto/mem.h \
 model/closelist.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h proto/event.h
crypto/err.h:
crypto/mem.h:
model/closelist.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/event.h:

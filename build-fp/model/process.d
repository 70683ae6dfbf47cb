build-fp/model/process.o: model/process.c crypto/err.h model/process.h \
 model/slot.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h model/roster.h proto/event.h
crypto/err.h:
model/process.h:
model/slot.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:
proto/event.h:

build-fp/model/slot.o: model/slot.c crypto/err.h crypto/mem.h \
 model/slot.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h model/roster.h
crypto/err.h:
crypto/mem.h:
model/slot.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:

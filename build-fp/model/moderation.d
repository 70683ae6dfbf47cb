build-fp/model/moderation.o: model/moderation.c crypto/err.h crypto/mem.h \
 model/moderation.h model/process.h model/slot.h model/model.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h model/roster.h
crypto/err.h:
crypto/mem.h:
model/moderation.h:
model/process.h:
model/slot.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:

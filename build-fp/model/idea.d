build-fp/model/idea.o: model/idea.c crypto/err.h crypto/mem.h \
 model/credential.h model/process.h model/slot.h model/model.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h model/roster.h \
 model/idea.h model/moderation.h
crypto/err.h:
crypto/mem.h:
model/credential.h:
model/process.h:
model/slot.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:
model/idea.h:
model/moderation.h:

build-fp/model/credential.o: model/credential.c crypto/err.h \
 model/credential.h model/process.h model/slot.h model/model.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h model/roster.h
crypto/err.h:
model/credential.h:
model/process.h:
model/slot.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:

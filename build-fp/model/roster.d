build-fp/model/roster.o: model/roster.c crypto/err.h crypto/mem.h \
 model/roster.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h
crypto/err.h:
crypto/mem.h:
model/roster.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:

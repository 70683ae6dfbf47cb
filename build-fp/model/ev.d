build-fp/model/ev.o: model/ev.c model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:

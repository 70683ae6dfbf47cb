build-fp/model/money.o: model/money.c model/money.h proto/event.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h
model/money.h:
proto/event.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:

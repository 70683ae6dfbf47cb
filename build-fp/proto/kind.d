build-fp/proto/kind.o: proto/kind.c crypto/err.h proto/kind.h \
 build-fp/proto/wiec.pb-c.h proto/kind_int.h crypto/hash.h proto/event.h \
 crypto/key.h
crypto/err.h:
proto/kind.h:
build-fp/proto/wiec.pb-c.h:
proto/kind_int.h:
crypto/hash.h:
proto/event.h:
crypto/key.h:

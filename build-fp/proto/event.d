build-fp/proto/event.o: proto/event.c crypto/err.h proto/decode.h \
 proto/event.h crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h \
 proto/kind.h
crypto/err.h:
proto/decode.h:
proto/event.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/kind.h:

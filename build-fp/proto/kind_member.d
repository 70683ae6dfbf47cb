build-fp/proto/kind_member.o: proto/kind_member.c crypto/err.h \
 crypto/hash.h proto/kind_int.h proto/event.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h proto/kind.h
crypto/err.h:
crypto/hash.h:
proto/kind_int.h:
proto/event.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/kind.h:

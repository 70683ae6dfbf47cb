build-fp/node/wire.o: node/wire.c crypto/err.h crypto/hash.h crypto/key.h \
 node/wire.h build-fp/proto/wiec.pb-c.h proto/decode.h proto/event.h
crypto/err.h:
crypto/hash.h:
crypto/key.h:
node/wire.h:
build-fp/proto/wiec.pb-c.h:
proto/decode.h:
proto/event.h:

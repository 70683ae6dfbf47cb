build-fp/proto/genesis.o: proto/genesis.c crypto/err.h proto/decode.h \
 proto/event.h crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h \
 proto/genesis.h
crypto/err.h:
proto/decode.h:
proto/event.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
proto/genesis.h:

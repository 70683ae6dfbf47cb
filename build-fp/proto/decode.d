build-fp/proto/decode.o: proto/decode.c crypto/err.h proto/decode.h
crypto/err.h:
proto/decode.h:

build-fp/proto/frame.o: proto/frame.c crypto/err.h proto/frame.h
crypto/err.h:
proto/frame.h:

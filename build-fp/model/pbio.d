build-fp/model/pbio.o: model/pbio.c crypto/err.h model/money.h \
 model/pbio.h crypto/hash.h crypto/key.h model/pb.h model/tally.h \
 proto/event.h build-fp/proto/wiec.pb-c.h
crypto/err.h:
model/money.h:
model/pbio.h:
crypto/hash.h:
crypto/key.h:
model/pb.h:
model/tally.h:
proto/event.h:
build-fp/proto/wiec.pb-c.h:

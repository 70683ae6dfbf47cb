build-fp/model/recount.o: model/recount.c crypto/err.h crypto/mem.h \
 model/ballotread_int.h crypto/hash.h crypto/key.h model/recount.h \
 model/ballot.h model/credential.h model/process.h model/slot.h \
 model/model.h build-fp/proto/wiec.pb-c.h model/roster.h proto/event.h \
 model/tally.h model/pb.h
crypto/err.h:
crypto/mem.h:
model/ballotread_int.h:
crypto/hash.h:
crypto/key.h:
model/recount.h:
model/ballot.h:
model/credential.h:
model/process.h:
model/slot.h:
model/model.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:
proto/event.h:
model/tally.h:
model/pb.h:

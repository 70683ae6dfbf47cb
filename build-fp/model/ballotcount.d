build-fp/model/ballotcount.o: model/ballotcount.c crypto/err.h \
 crypto/mem.h model/ballot.h model/credential.h model/process.h \
 model/slot.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h model/roster.h proto/event.h model/tally.h \
 model/pb.h model/money.h model/recount.h
crypto/err.h:
crypto/mem.h:
model/ballot.h:
model/credential.h:
model/process.h:
model/slot.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
model/roster.h:
proto/event.h:
model/tally.h:
model/pb.h:
model/money.h:
model/recount.h:

build-fp/model/ballot.o: model/ballot.c crypto/err.h model/ballot.h \
 model/credential.h model/process.h model/slot.h model/model.h \
 crypto/hash.h crypto/key.h build-fp/proto/wiec.pb-c.h model/roster.h \
 proto/event.h model/tally.h model/pb.h model/idea.h model/moderation.h \
 model/recount.h
crypto/err.h:
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
model/idea.h:
model/moderation.h:
model/recount.h:

build-fp/node/members.o: node/members.c crypto/err.h node/members.h \
 model/roster.h model/model.h crypto/hash.h crypto/key.h \
 build-fp/proto/wiec.pb-c.h store/store.h proto/event.h
crypto/err.h:
node/members.h:
model/roster.h:
model/model.h:
crypto/hash.h:
crypto/key.h:
build-fp/proto/wiec.pb-c.h:
store/store.h:
proto/event.h:

build-fp/model/close.o: model/close.c crypto/err.h crypto/mem.h \
 model/close.h crypto/hash.h crypto/key.h model/close_int.h
crypto/err.h:
crypto/mem.h:
model/close.h:
crypto/hash.h:
crypto/key.h:
model/close_int.h:

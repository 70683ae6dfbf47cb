build-fp/model/closecert.o: model/closecert.c crypto/err.h model/close.h \
 crypto/hash.h crypto/key.h model/close_int.h
crypto/err.h:
model/close.h:
crypto/hash.h:
crypto/key.h:
model/close_int.h:

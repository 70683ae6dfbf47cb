build-fp/model/tally.o: model/tally.c crypto/err.h model/tally.h \
 model/pb.h
crypto/err.h:
model/tally.h:
model/pb.h:

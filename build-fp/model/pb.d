build-fp/model/pb.o: model/pb.c crypto/err.h model/pb.h
crypto/err.h:
model/pb.h:

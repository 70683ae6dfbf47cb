build-fp/model/fold.o: model/fold.c model/fold.h
model/fold.h:

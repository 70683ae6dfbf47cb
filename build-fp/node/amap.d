build-fp/node/amap.o: node/amap.c crypto/err.h node/amap.h
crypto/err.h:
node/amap.h:

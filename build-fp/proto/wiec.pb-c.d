build-fp/proto/wiec.pb-c.o: build-fp/proto/wiec.pb-c.c \
 build-fp/proto/wiec.pb-c.h
build-fp/proto/wiec.pb-c.h:

build-fp/bench-ingest: bench/ingest.c crypto/err.h crypto/hash.h \
 crypto/key.h bench/corpus.h proto/event.h build-fp/proto/wiec.pb-c.h \
 proto/genesis.h store/guard.h store/pipeline.h store/store.h \
 model/model.h
crypto/err.h:
crypto/hash.h:
crypto/key.h:
bench/corpus.h:
proto/event.h:
build-fp/proto/wiec.pb-c.h:
proto/genesis.h:
store/guard.h:
store/pipeline.h:
store/store.h:
model/model.h:

build-fp/node/recon_session.o: node/recon_session.c crypto/err.h \
 node/recon_int.h crypto/hash.h node/recon.h node/recon_wire.h \
 crypto/mem.h
crypto/err.h:
node/recon_int.h:
crypto/hash.h:
node/recon.h:
node/recon_wire.h:
crypto/mem.h:

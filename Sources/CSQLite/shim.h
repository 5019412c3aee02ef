// The system SQLite (Debian's libsqlite3-dev), for the durable journal in CodeServer/Store.
#include <sqlite3.h>

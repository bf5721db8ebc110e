/// SQLite storage (GRDB).
import GRDB

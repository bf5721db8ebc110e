import EscortCore

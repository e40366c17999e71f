/// The chat domain: event types, commands, decisions and views. No IO.
public enum Projections {}

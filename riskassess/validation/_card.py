def model_card(): pass
class ModelCard: pass

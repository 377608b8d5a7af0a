import paho.mqtt.client as mqtt
broker = "localhost"
topic = "home/temperature"
def on_message(client, userdata, message):
    print(f"Received: {message.payload.decode()}")
client = mqtt.Client()
client.connect(broker)
client.subscribe(topic)
client.on_message = on_message
client.loop_forever()
